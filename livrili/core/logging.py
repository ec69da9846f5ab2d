import logging

from .context import current


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = current.get().request_id
        return True
