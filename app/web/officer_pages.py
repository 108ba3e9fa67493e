"""Every page of the officer's desk (forms, finding things, downloads), included by the web router."""

from fastapi import APIRouter

from app.web import (
    agreement_forms,
    alert_pages,
    authority_pages,
    bid_pages,
    comparison_pages,
    document_pages,
    drawdown_pages,
    finding,
    instalment_pages,
    investment_pages,
    movement_forms,
    panel_pages,
    project_pages,
    proposal_pages,
    site_pages,
    spend_pages,
    upload_pages,
)

ROUTERS: tuple[APIRouter, ...] = (
    agreement_forms.router,
    movement_forms.router,
    project_pages.router,
    drawdown_pages.router,
    spend_pages.router,
    finding.router,
    upload_pages.router,
    comparison_pages.router,
    bid_pages.router,
    document_pages.router,
    site_pages.router,
    alert_pages.router,
    authority_pages.router,
    investment_pages.router,
    proposal_pages.router,
    panel_pages.router,
    instalment_pages.router,
)
"""Included before the web view's own routes, so /web/agreements/new is not read as an agreement's id."""
