"""`python -m crm_launcher ...` is the same as the `crm` console script."""

import sys

from crm_launcher.cli import main

sys.exit(main())
