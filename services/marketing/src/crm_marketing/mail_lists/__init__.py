"""Direct mail: each campaign's mail list, one line per letter (the mail channel writes it),
exported as CSV for the print shop."""
