from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.images.models import AbstractImage, AbstractRendition, Image


class SiteImage(AbstractImage):
    """Wagtail's image with the alternative text made mandatory, so no image
    reaches the public site without one (WCAG 1.1.1)."""

    description = models.CharField(
        _("alternative text"),
        max_length=255,
        help_text=_(
            "Describe what the image shows for people who cannot see it, "
            "e.g. 'Woman arranging flowers in her own shop'."
        ),
    )

    admin_form_fields = Image.admin_form_fields

    class Meta(AbstractImage.Meta):
        verbose_name = _("image")
        verbose_name_plural = _("images")


class SiteRendition(AbstractRendition):
    image = models.ForeignKey(SiteImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)
