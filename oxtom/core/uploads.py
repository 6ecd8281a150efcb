"""Checking uploaded images: by content, never by name or the browser's content type.

Used for report photos and evidence uploads. `image_check` reads the file
(refusing anything over the size cap before decoding), lets Pillow identify
the format from the bytes, refuses formats we do not accept and
decompression bombs, reads the GPS position from EXIF (so a photo can place
a report), then re-encodes the pixels at a capped size. Re-encoding from a
fresh image drops every piece of metadata (EXIF with GPS and camera serial,
XMP, ICC, PNG text chunks) and anything hidden after the image data.

HEIC (iPhone photos) is read through pillow-heif when it is installed and
converted to JPEG; without it HEIC is refused with the same clear message as
any other unsupported file.
"""
from __future__ import annotations

import logging

import io
import math
import re
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image, ImageOps, UnidentifiedImageError

try:  # optional: iPhone HEIC photos
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the environment
    HEIF_SUPPORTED = False

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SOURCE_PIXELS = 50_000_000  # a 50-megapixel camera; more is a bomb or not a photo
MAX_OUTPUT_SIDE = 2000
JPEG_QUALITY = 85

# Pillow format name -> (what we save as, content type, extension)
_OUTPUT = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "MPO": ("JPEG", "image/jpeg", "jpg"),  # some phones' JPEGs with a second frame
    "PNG": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
    "HEIF": ("JPEG", "image/jpeg", "jpg"),
}

FORMATS_TEXT = "JPG, PNG, HEIC or WebP" if HEIF_SUPPORTED else "JPG, PNG or WebP"


logger = logging.getLogger(__name__)


class ImageRejected(ValueError):
    """The upload is not an image we accept. The message is written for the person who uploaded it."""


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    # (latitude, longitude) from the photo's EXIF, if it had a usable one.
    gps: tuple[float, float] | None = None


def _read_capped(upload: IO[bytes] | bytes, max_bytes: int) -> bytes:
    if isinstance(upload, (bytes, bytearray)):
        data = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if isinstance(size, int) and size > max_bytes:
            raise ImageRejected(f"The selected file must be smaller than {max_bytes // (1024 * 1024)}MB")
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(f"The selected file must be smaller than {max_bytes // (1024 * 1024)}MB")
    if not data:
        raise ImageRejected("The selected file is empty")
    return data


def _rational(value: Any) -> float:
    if isinstance(value, tuple) and len(value) == 2:  # (numerator, denominator) from old writers
        return float(value[0]) / float(value[1]) if value[1] else math.nan
    return float(value)


def _dms(values: Any, ref: Any, positive: str) -> float | None:
    try:
        degrees, minutes, seconds = (_rational(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(result):
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if str(ref or positive).strip().upper()[:1] != positive:
        result = -result
    return result


def gps_from_exif(image: Image.Image) -> tuple[float, float] | None:
    """(lat, lon) from EXIF GPS tags, or None when absent, malformed or out of range."""
    try:
        gps = image.getexif().get_ifd(0x8825)
    except Exception:  # noqa: BLE001 - malformed EXIF must never fail the upload
        return None
    if not gps or 2 not in gps or 4 not in gps:
        return None
    lat = _dms(gps.get(2), gps.get(1), "N")
    lon = _dms(gps.get(4), gps.get(3), "E")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return (round(lat, 6), round(lon, 6))


def image_check(
    upload: IO[bytes] | bytes,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_side: int = MAX_OUTPUT_SIDE,
    max_source_pixels: int = MAX_SOURCE_PIXELS,
) -> CheckedImage:
    """Check an uploaded image by its content and return a clean, resized copy.

    Raises ImageRejected with a GOV.UK-style message for anything else: the
    file's name and declared type are never trusted.
    """
    data = _read_capped(upload, max_bytes)
    unreadable = f"The selected file must be a {FORMATS_TEXT}"
    with warnings.catch_warnings():
        # Pillow warns (rather than fails) on images between 1x and 2x its pixel limit: fail instead.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            if fmt not in _OUTPUT:
                raise ImageRejected(unreadable)
            width, height = probe.size
            if width < 1 or height < 1 or width * height > max_source_pixels:
                raise ImageRejected("The selected image is too large: use a photo of 50 megapixels or fewer")
            probe.verify()  # structure and checksums, without decoding every pixel
            image = Image.open(io.BytesIO(data))
            gps = gps_from_exif(image)
            image.load()
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected("The selected image is too large: use a photo of 50 megapixels or fewer") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise ImageRejected(unreadable) from None
    image = ImageOps.exif_transpose(image)  # keep the photo the right way up once EXIF is gone
    image = _output_mode(image, fmt)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return _encode_clean(image, fmt, gps=gps)


def _output_mode(image: Image.Image, fmt: str) -> Image.Image:
    """RGB, or RGBA where the output format keeps transparency and the image has some."""
    save_as = _OUTPUT[fmt][0]
    keep_alpha = save_as in ("PNG", "WEBP") and image.mode in ("RGBA", "LA", "PA", "P") and (
        image.mode != "P" or "transparency" in image.info)
    return image.convert("RGBA" if keep_alpha else "RGB")


def _encode_clean(image: Image.Image, fmt: str, *, gps: tuple[float, float] | None = None) -> CheckedImage:
    """Re-encode the pixels in the output format for `fmt`, with nothing else carried over."""
    save_as, content_type, extension = _OUTPUT[fmt]
    # A fresh image holds pixels only: no EXIF, XMP, ICC profile or text chunks can follow.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    if save_as == "JPEG":
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif save_as == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=JPEG_QUALITY)
    return CheckedImage(content=out.getvalue(), content_type=content_type, extension=extension,
                        width=clean.width, height=clean.height, gps=gps)

# Web sizes made from a checked image (the longest side, in pixels). A thumbnail fits a
# 375 px phone with the page's margins; the display size fills a desktop column without
# sending the 2000 px original to every visitor.
WEB_SIZES = {"thumbnail": 320, "display": 1024}


def fit_within(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The size of a width x height image scaled down (never up) so its longest side is max_side.

    Pure arithmetic, so pages can give <img> its width and height without opening the file.
    """
    if width < 1 or height < 1:
        raise ValueError("an image has a positive size")
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def image_resize(content: bytes, *, max_side: int) -> CheckedImage:
    """A smaller copy of an image image_check already cleaned, in the same format, metadata-free.

    Used for web sizes (WEB_SIZES) at upload and for older photos on first use. The
    source is our own output, but it is decoded with the same bomb guard as an upload.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(content))
            fmt = image.format
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning, UnidentifiedImageError, OSError,
                SyntaxError, ValueError, EOFError, struct.error):
            raise ImageRejected("The stored image could not be read") from None
    if fmt not in _OUTPUT:
        raise ImageRejected("The stored image could not be read")
    image = _output_mode(image, fmt)
    size = fit_within(image.width, image.height, max_side)
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    return _encode_clean(image, fmt)


DOCUMENT_TYPES_MESSAGE = "The selected file must be a JPG, PNG, WebP or PDF"
PDF_ACTIVE_MESSAGE = (
    "The selected PDF contains scripts or actions that run when it is opened. "
    "Save or print it as a new PDF, or send a photo of the document instead"
)
PDF_UNREADABLE_MESSAGE = "The selected PDF could not be read. Save or print it as a new PDF, then try again"

# What makes a PDF do something when opened or clicked, rather than show pages: scripts, launching
# programs, sending or importing form data, embedded files and media, XFA forms, automatic actions.
_ACTIVE_KEYS = frozenset({"/JavaScript", "/JS", "/AA", "/Launch", "/EmbeddedFiles", "/EmbeddedFile",
                          "/RichMedia", "/XFA", "/SubmitForm", "/ImportData"})
# Actions that run code, start programs, send data or fetch files (links to web pages and to
# pages of the same document are fine).
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/Rendition", "/GoToE",
                             "/GoToR", "/Sound", "/Movie"})
# A PDF whose object graph is bigger than this is not a letter or a payslip.
_MAX_PDF_OBJECTS = 200_000


def pdf_active_content(data: bytes) -> set[str]:
    """The kinds of active content in a PDF ('' set if none); {'unreadable'} if it cannot be parsed.

    Parsed with pypdf, so names spelt with #xx escapes and objects inside compressed
    object streams are seen as a viewer sees them. Every object reachable from the
    trailer is visited once. An /OpenAction that is only a destination (open at page
    1, fit width: what office suites write) is fine; one that is an action other than
    going to a page in this document is not.
    """
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    found: set[str] = set()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return {"encrypted"}
        stack: list = [reader.trailer]
        seen: set[tuple[int, int]] = set()
        visited = 0
        while stack:
            obj = stack.pop()
            if isinstance(obj, IndirectObject):
                key = (obj.idnum, obj.generation)
                if key in seen:
                    continue
                seen.add(key)
                obj = obj.get_object()
            visited += 1
            if visited > _MAX_PDF_OBJECTS:
                return {"too many objects"}
            if isinstance(obj, DictionaryObject):
                for name, value in obj.items():
                    if name in _ACTIVE_KEYS:
                        found.add(name)
                    if name == "/S" and value in _ACTIVE_ACTIONS:
                        found.add(f"action {value}")
                    if name == "/OpenAction":
                        target = value.get_object() if isinstance(value, IndirectObject) else value
                        if isinstance(target, DictionaryObject) and target.get("/S") not in (None, "/GoTo"):
                            found.add(f"open action {target.get('/S')}")
                    if name != "/Parent":  # pages point back up the tree; the tree is walked from the top
                        stack.append(value)
            elif isinstance(obj, ArrayObject):
                stack.extend(obj)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        # Too broken for pypdf (viewers are more forgiving): scan the bytes, and every
        # Flate stream in them, for the same names, #xx escapes undone.
        return _pdf_active_names_in_bytes(data)
    return found


_PDF_NAME_RE = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_STREAM_RE = re.compile(rb"stream\r?\n(.*?)endstream", re.S)


def _pdf_active_names_in_bytes(data: bytes) -> set[str]:
    chunks = [data]
    for match in _PDF_STREAM_RE.finditer(data):
        try:
            chunks.append(zlib.decompressobj().decompress(match.group(1), 20 * 1024 * 1024))
        except zlib.error:
            continue
    found: set[str] = set()
    for chunk in chunks:
        for raw in _PDF_NAME_RE.findall(chunk):
            name = "/" + re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")
            if name in _ACTIVE_KEYS or name in _ACTIVE_ACTIONS or name == "/OpenAction":
                found.add(name)
    return found


@dataclass(frozen=True)
class CheckedDocument:
    """A PDF accepted by its content (header and trailer), stored as it came."""

    content: bytes
    content_type: str = "application/pdf"
    extension: str = "pdf"


# --- Office documents (DOCX, XLSX, PPTX): zips whose parts are checked before anything opens them ------

OFFICE_TYPES_MESSAGE = "The selected file must be a PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), JPG, PNG or WebP"
OFFICE_ACTIVE_MESSAGE = (
    "The selected file contains macros, embedded programs or links to outside content that run when it is "
    "opened. Save it as a plain document (not .docm, .xlsm or .pptm), then try again"
)
ZIP_BOMB_MESSAGE = "The selected file expands to far more than its size: it cannot be checked"
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_ZIP_MEMBERS = 2000
# The main part that says which kind of Office Open XML document a zip is, and its stored type.
_OFFICE_KINDS = (
    ("word/document.xml", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xl/workbook.xml", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("ppt/presentation.xml", "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)
# Relationships that make a document fetch or run something when opened: a remote template or frame
# (the "template injection" attack), linked OLE objects. Hyperlinks are external too, but only on a click.
_EXTERNAL_ACTIVE_RELS = re.compile(
    rb'Type="[^"]*/(attachedTemplate|oleObject|frame|subDocument)"[^>]*TargetMode="External"'
    rb'|TargetMode="External"[^>]*Type="[^"]*/(attachedTemplate|oleObject|frame|subDocument)"')


def _active_part(name: str) -> bool:
    """A part that runs rather than shows: a VBA project or any binary (.bin: macros, ActiveX, OLE packages),
    a script or program, an ActiveX control, or an embedded object other than an Office file (a chart's data
    is an embedded .xlsx, which is fine)."""
    if name.endswith((".bin", ".exe", ".dll", ".js", ".vbs", ".ps1", ".bat", ".cmd", ".scr")):
        return True
    if "/activex/" in name:
        return True
    return "/embeddings/" in name and not name.endswith((".xlsx", ".docx", ".pptx", ".png", ".jpeg", ".jpg",
                                                         ".emf", ".wmf"))


def zip_checked(data: bytes, *, not_a_zip: str) -> zipfile.ZipFile:
    """The archive, refused as a zip bomb from its declared sizes before any member is read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise ImageRejected(not_a_zip) from None
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO or len(infos) > MAX_ZIP_MEMBERS:
        raise ImageRejected(ZIP_BOMB_MESSAGE)
    return archive


def office_document_check(data: bytes) -> CheckedDocument:
    """A Word, Excel or PowerPoint file without macros or active content, kept as it came.

    Judged by its parts, not its name: the main part decides the kind; encrypted parts, a VBA project,
    ActiveX controls, embedded programs or a relationship that loads a remote template, frame or object
    refuse it. Shared by every upload of Office files (business admin's files, CVs).
    """
    archive = zip_checked(data, not_a_zip=OFFICE_TYPES_MESSAGE)
    names = set(archive.namelist())
    kind = next(((ext, ctype) for part, ext, ctype in _OFFICE_KINDS if part in names), None)
    if kind is None or "[Content_Types].xml" not in names:
        raise ImageRejected(OFFICE_TYPES_MESSAGE)
    if any(info.flag_bits & 0x1 for info in archive.infolist()):  # encrypted parts cannot be checked
        raise ImageRejected(OFFICE_TYPES_MESSAGE)
    if any(_active_part(name.lower()) for name in names):
        raise ImageRejected(OFFICE_ACTIVE_MESSAGE)
    try:
        declared = archive.read("[Content_Types].xml")
        relationships = [archive.read(name) for name in names if name.endswith(".rels")]
    except (KeyError, OSError, EOFError, RuntimeError, ValueError, zlib.error):  # a damaged or encrypted member
        raise ImageRejected(OFFICE_TYPES_MESSAGE) from None
    if b"macroEnabled" in declared or any(_EXTERNAL_ACTIVE_RELS.search(rels) for rels in relationships):
        raise ImageRejected(OFFICE_ACTIVE_MESSAGE)
    return CheckedDocument(data, content_type=kind[1], extension=kind[0])


def document_check(upload: IO[bytes] | bytes, *, max_bytes: int = MAX_UPLOAD_BYTES,
                   office: bool = False) -> CheckedImage | CheckedDocument:
    """Evidence a person sends: a PDF (header and trailer checked, kept as it came) or an image (image_check);
    with `office`, also a Word, Excel or PowerPoint file (office_document_check), for colleagues' work.

    Judged by the bytes alone, like image_check; raises ImageRejected with a
    message for the person who uploaded it.
    """
    wrong_type = OFFICE_TYPES_MESSAGE if office else DOCUMENT_TYPES_MESSAGE
    if isinstance(upload, (bytes, bytearray)):
        data = bytes(upload[: max_bytes + 1])
    else:
        size = getattr(upload, "size", None)
        if isinstance(size, int) and size > max_bytes:
            raise ImageRejected(f"The selected file must be smaller than {max_bytes // (1024 * 1024)}MB")
        upload.seek(0)
        data = upload.read(max_bytes + 1)
        upload.seek(0)
    if not data:
        raise ImageRejected("The selected file is empty")
    if len(data) > max_bytes:
        raise ImageRejected(f"The selected file must be smaller than {max_bytes // (1024 * 1024)}MB")
    if data.lstrip()[:5] == b"%PDF-":
        if b"%%EOF" not in data[-2048:]:
            raise ImageRejected(wrong_type)
        active = pdf_active_content(data)
        if active:
            logger.info("uploads: PDF refused (%s)", ", ".join(sorted(active)))
            raise ImageRejected(PDF_UNREADABLE_MESSAGE if active & {"unreadable", "encrypted", "too many objects"}
                                else PDF_ACTIVE_MESSAGE)
        return CheckedDocument(data)
    if office and data[:4] == b"PK\x03\x04":
        return office_document_check(data)
    try:
        return image_check(data, max_bytes=max_bytes)
    except ImageRejected as exc:
        if "must be a" in str(exc):
            raise ImageRejected(wrong_type) from None
        raise


# --- draft uploads: files parked for a journey not yet submitted ---------------------------------

DRAFT_UPLOAD_MAX_AGE_HOURS = 24
_draft_dirs: list[str] = []


def register_draft_upload_dir(directory: str) -> None:
    """A storage folder where a journey parks uploads until the resident submits (called in ready()).

    Submitting (or discarding the draft) deletes them; whatever is still there after
    DRAFT_UPLOAD_MAX_AGE_HOURS belongs to a journey given up on, and the purge removes it.
    A resident who comes back later is asked to add the files again.
    """
    directory = directory.strip("/")
    if not directory or ".." in directory.split("/"):
        raise ValueError("a draft upload folder is a plain relative folder name")
    if directory not in _draft_dirs:
        _draft_dirs.append(directory)


def draft_uploads_purge(*, max_age_hours: float = DRAFT_UPLOAD_MAX_AGE_HOURS, storage=None) -> int:
    """Delete parked draft uploads older than `max_age_hours`; the number deleted.

    Only files directly in the registered folders, judged by the storage's modified time.
    """
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.utils import timezone

    storage = storage or default_storage
    cutoff = timezone.now() - timedelta(hours=max_age_hours)
    deleted = 0
    for directory in list(_draft_dirs):
        try:
            _folders, files = storage.listdir(directory)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in files:
            path = f"{directory}/{name}"
            try:
                if storage.get_modified_time(path) < cutoff:
                    storage.delete(path)
                    deleted += 1
            except FileNotFoundError:  # submitted or purged meanwhile
                continue
    if deleted:
        logger.info("uploads: purged %s abandoned draft upload(s)", deleted)
    return deleted
