"""The customers as the sales service knows them: a view of the customer master."""
