"""StreamField blocks an editor combines into programme and content pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class LinkBlock(blocks.StructBlock):
    """A link to a page on the site or, failing that, to an address."""

    page = blocks.PageChooserBlock(required=False, label=_("page"))
    url = blocks.URLBlock(required=False, label=_("or web address"))

    class Meta:
        icon = "link"
        label = _("link")


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=120)
    text = blocks.TextBlock(label=_("text"), required=False)


class StepsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), required=False)
    steps = blocks.ListBlock(StepBlock(), label=_("steps"), min_num=1)

    class Meta:
        icon = "list-ol"
        label = _("How it works (steps)")
        template = "portal/blocks/steps.html"


class KeyFigureBlock(blocks.StructBlock):
    value = blocks.CharBlock(label=_("figure"), max_length=30,
                             help_text=_("For example '50.000 kr.' or '6 måneder'."))
    label = blocks.CharBlock(label=_("what it means"), max_length=120)


class KeyFiguresBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), required=False)
    figures = blocks.ListBlock(KeyFigureBlock(), label=_("figures"), min_num=1, max_num=6)

    class Meta:
        icon = "pick"
        label = _("Key figures")
        template = "portal/blocks/key_figures.html"


class CalloutBlock(blocks.StructBlock):
    tone = blocks.ChoiceBlock(
        choices=[("info", _("Information")), ("success", _("Good to know")),
                 ("warning", _("Important"))],
        default="info", label=_("type"),
    )
    heading = blocks.CharBlock(label=_("heading"))
    text = blocks.RichTextBlock(label=_("text"), features=["bold", "italic", "link"])

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "portal/blocks/callout.html"


class ImageTextBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    heading = blocks.CharBlock(label=_("heading"), required=False)
    text = blocks.RichTextBlock(label=_("text"), features=["bold", "italic", "link", "ul"])
    image_position = blocks.ChoiceBlock(
        choices=[("left", _("Left")), ("right", _("Right"))], default="left",
        label=_("image position"),
    )

    class Meta:
        icon = "image"
        label = _("Image with text")
        template = "portal/blocks/image_text.html"


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("question"))
    answer = blocks.RichTextBlock(label=_("answer"), features=["bold", "italic", "link", "ul", "ol"])


class FaqBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), required=False)
    questions = blocks.ListBlock(QuestionBlock(), label=_("questions"), min_num=1)

    class Meta:
        icon = "help"
        label = _("Questions and answers")
        template = "portal/blocks/faq.html"


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"))
    text = blocks.TextBlock(label=_("text"), required=False)
    button_label = blocks.CharBlock(label=_("button text"), default=_("Apply"))
    link = LinkBlock(label=_("button goes to"))

    class Meta:
        icon = "arrow-right"
        label = _("Call to action")
        template = "portal/blocks/call_to_action.html"


class ContentStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("Section heading"), icon="title", template="portal/blocks/heading.html"
    )
    paragraph = blocks.RichTextBlock(label=_("Text"), icon="pilcrow")
    steps = StepsBlock()
    key_figures = KeyFiguresBlock()
    callout = CalloutBlock()
    image_text = ImageTextBlock()
    faq = FaqBlock()
    call_to_action = CallToActionBlock()

    class Meta:
        block_counts = {}
