"""crm_analytics: the analytical CRM service (360-degree profile, timeline, later scores)."""
