from .eligibility import EligibilityCheckPage
from .applications import ApplicationDraft, DraftDocument
from .images import SiteImage, SiteRendition
from .pages import (
    AccessibilityStatementPage,
    ContactPage,
    EventIndexPage,
    EventPage,
    FaqPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    PrivacyPage,
    ProgrammePage,
    StandardPage,
    StoryIndexPage,
    StoryPage,
)
from .settings import SiteSettings

__all__ = [
    "ApplicationDraft", "DraftDocument",
    "AccessibilityStatementPage", "ContactPage", "EligibilityCheckPage", "EventIndexPage", "EventPage",
    "FaqPage", "HomePage", "NewsIndexPage", "NewsPage", "PrivacyPage", "ProgrammePage", "SiteImage",
    "SiteRendition", "SiteSettings", "StandardPage", "StoryIndexPage", "StoryPage",
]
