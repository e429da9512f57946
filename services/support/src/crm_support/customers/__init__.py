"""The customers as the support service knows them: a view of the customer master."""
