"""A campaign's messages: personalised templates and tracked links."""
