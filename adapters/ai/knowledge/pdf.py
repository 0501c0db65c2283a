"""A PDF's text per page, with pypdf (pure Python: nothing to install on the server)."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PyPdfError

from application.ai.knowledge.ports import DocumentTooLarge, EncryptedPdf, NotAPdf, PdfPages

log = logging.getLogger(__name__)
MAX_PAGES = 2_000
# The header may follow some bytes of junk (a mail gateway's, a scanner's); readers accept it
# within the first kilobyte.
HEADER_WITHIN = 1024


class PypdfText:
    """Implements `PdfText`."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self._max_pages = max_pages

    def pages(self, data: bytes) -> PdfPages:
        if b"%PDF-" not in data[:HEADER_WITHIN]:
            raise NotAPdf("the file is not a PDF", field="file")
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise EncryptedPdf(_ENCRYPTED, field="file")
            count = len(reader.pages)
        except FileNotDecryptedError:
            raise EncryptedPdf(_ENCRYPTED, field="file") from None
        except (PyPdfError, ValueError, KeyError, TypeError) as error:
            raise NotAPdf(f"the PDF cannot be read: {error}"[:300], field="file") from None
        if count > self._max_pages:
            raise DocumentTooLarge(
                f"the PDF has {count} pages; at most {self._max_pages} are accepted", field="file"
            )
        return PdfPages([_text(reader, number) for number in range(count)])


_ENCRYPTED = "the PDF is protected by a password; upload it without the password"


def _text(reader: PdfReader, number: int) -> str:
    """One page's text; a page pypdf cannot read counts as a page without text."""
    try:
        return reader.pages[number].extract_text() or ""
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        log.info("page %d of a PDF could not be read: %s", number + 1, error)
        return ""
