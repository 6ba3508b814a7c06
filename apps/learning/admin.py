"""Learning in the Django admin. Templates are saved through the services (a changed text is
a new version, with events); feedback, versions and uses are records, read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.learning import rendering
from apps.learning.models import Feedback, PromptTemplate, PromptUse, PromptVersion
from apps.learning.services import prompts
from storyportal.admin_support import adopt_saved
from storyportal.api import actor
from storyportal.api.exceptions import DomainError
from storyportal.api.principal import caller_label


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Feedback)
class FeedbackAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("id", "subject_type", "subject_id", "score", "label", "created_by", "created_at")
    list_filter = ("subject_type", "score", "label")
    search_fields = ("subject_id", "label", "comment")
    list_select_related = ("created_by",)


class VersionInline(ReadOnly, admin.TabularInline):
    model = PromptVersion
    fields = ("version", "variables", "note", "created_by", "created_at")
    readonly_fields = fields
    extra = 0
    ordering = ("-version",)


class PromptTemplateAdminForm(forms.ModelForm):
    """The template with its current text: a changed text saves a new version."""

    text = forms.CharField(widget=forms.Textarea, max_length=rendering.MAX_TEXT, strip=False)
    note = forms.CharField(max_length=200, required=False, help_text="Why the text changed.")

    class Meta:
        model = PromptTemplate
        fields = ("name", "description", "use_case")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:  # (a new one already has its uuid pk)
            self.fields["text"].initial = prompts.version_get(template=self.instance).text

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        try:
            rendering.variables_of(text)
        except DomainError as exc:
            raise forms.ValidationError([exc.message, *(exc.details or {}).get("text", [])]) from exc
        return text


@admin.register(PromptTemplate)
class PromptTemplateAdmin(admin.ModelAdmin):
    form = PromptTemplateAdminForm
    list_display = ("name", "use_case", "current_version", "updated_at")
    list_filter = ("use_case",)
    search_fields = ("name", "description")
    readonly_fields = ("id", "current_version", "created_by", "created_at", "updated_at")
    fields = ("id", "name", "description", "use_case", "text", "note", "current_version", "created_by",
              "created_at", "updated_at")  # fmt: skip
    inlines = [VersionInline]

    def save_model(self, request: HttpRequest, obj: PromptTemplate, form: Any, change: bool) -> None:
        actor.set_current(caller_label(request))
        fields = {"name": obj.name, "description": obj.description, "use_case": obj.use_case,
                  "text": form.cleaned_data["text"]}  # fmt: skip
        note = form.cleaned_data.get("note", "")
        if change:
            current = PromptTemplate.objects.get(pk=obj.pk)
            saved = prompts.template_update(template=current, user=request.user, note=note, **fields)
        else:
            saved = prompts.template_create(user=request.user, note=note, **fields)
        adopt_saved(obj, saved)

    def delete_model(self, request: HttpRequest, obj: PromptTemplate) -> None:
        prompts.template_delete(template=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PromptTemplate]) -> None:
        for template in queryset:
            prompts.template_delete(template=template)


@admin.register(PromptVersion)
class PromptVersionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("template", "version", "note", "created_by", "created_at")
    search_fields = ("template__name", "note", "text")
    list_select_related = ("template", "created_by")


@admin.register(PromptUse)
class PromptUseAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("version", "llm_request_id", "created_by", "created_at")
    search_fields = ("llm_request_id",)
    list_select_related = ("version__template", "created_by")
