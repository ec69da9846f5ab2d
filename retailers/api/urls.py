from django.urls import path

from ..services import TRANSITIONS
from . import views

urlpatterns = [
    # Retailer self-service (fixed segments never collide with the <uuid:pk> routes below)
    path("retailers/signup", views.SignupView.as_view(), name="retailer-signup"),
    path("retailers/profile", views.ProfileView.as_view(), name="retailer-profile"),
    path("retailers/addresses", views.AddressListView.as_view(), name="retailer-address-list"),
    path("retailers/addresses/<uuid:pk>", views.AddressDetailView.as_view(), name="retailer-address-detail"),
    path("retailers/documents", views.DocumentListView.as_view(), name="retailer-document-list"),
    path("retailers/documents/<uuid:pk>/file", views.DocumentFileView.as_view(), name="retailer-document-file"),
    path("retailers/members", views.MemberListView.as_view(), name="retailer-member-list"),
    path("retailers/members/<uuid:pk>", views.MemberDetailView.as_view(), name="retailer-member-detail"),
    path("retailers/statement", views.StatementView.as_view(), name="retailer-statement"),
    # Back office
    path("retailers", views.RetailerListView.as_view(), name="retailer-list"),
    path("retailers/<uuid:pk>", views.RetailerDetailView.as_view(), name="retailer-detail"),
    *[
        path(f"retailers/<uuid:pk>/{action}", views.transition_view(action).as_view(), name=f"retailer-{action}")
        for action in TRANSITIONS
    ],
    path("retailers/<uuid:pk>/credit-limit", views.CreditLimitView.as_view(), name="retailer-credit-limit"),
    path("retailers/<uuid:pk>/ledger", views.LedgerView.as_view(), name="retailer-ledger"),
    path("retailers/<uuid:pk>/adjustments", views.AdjustmentView.as_view(), name="retailer-adjustments"),
    path("retailers/<uuid:pk>/events", views.EventListView.as_view(), name="retailer-events"),
]
