"""Publishing anything an anonymous page can show empties the page cache, so
visitors never see stale content for longer than a request."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished
from wagtailcache.cache import clear_cache

from backoffice.models import LoanPolicy, Municipality, TargetGroup

from .models import SiteSettings


@receiver(page_published)
@receiver(page_unpublished)
def clear_cache_on_publish(sender, **kwargs):
    clear_cache()


@receiver(post_save, sender=SiteSettings)
@receiver(post_save, sender=Municipality)
@receiver(post_save, sender=LoanPolicy)
@receiver(post_save, sender=TargetGroup)  # the eligibility check lists them
@receiver(post_delete, sender=SiteSettings)
@receiver(post_delete, sender=TargetGroup)
def clear_cache_on_settings_change(sender, **kwargs):
    clear_cache()
