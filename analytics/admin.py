"""Back office: the admin home is the operator dashboard (`templates/admin/analytics/index.html`,
figures from `templatetags/analytics_dashboard.py`)."""

from django.contrib import admin

admin.site.index_template = "admin/analytics/index.html"
