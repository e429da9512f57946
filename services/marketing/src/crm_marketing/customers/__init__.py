"""The customers as the marketing service knows them: a view of the customer master."""
