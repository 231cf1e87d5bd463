"""The real app for the benchmark, as gunicorn serves it, with the rate limiter off.

DATABASE_URL, SECRET_KEY and INSECURE_HTTP come from the environment (see config.py);
RATELIMIT_ENABLED is not read from the environment, hence this module.

    DATABASE_URL=sqlite:////tmp/visits.db INSECURE_HTTP=1 gunicorn benchmarks.wsgi:app
"""

from app import create_app

app = create_app({"RATELIMIT_ENABLED": False})
