"""Statistics URLs (see urls.py): the evaluation report."""

from django.urls import path

from . import evaluation

urlpatterns = [
    path("evaluation/", evaluation.evaluation, name="statistics_evaluation"),
]
