"""Background work of the public site. Runs in the request in development
and tests, in the `db_worker` process in production."""

from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def send_email(subject, body, to, from_email=None, html_body=None, headers=None):
    message = EmailMultiAlternatives(subject, body, from_email, to, headers=headers or {})
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()
