from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from servicemap.storage import require_collected_files

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicemap.settings")
application = get_wsgi_application()
require_collected_files()  # refused at start, not served without its styles and scripts (why: there)
