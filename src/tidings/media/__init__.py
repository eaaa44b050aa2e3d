"""Media files: probing, poster frames and normalisation with ffmpeg, and
transcription (``tidings.media.transcribe``). Each function takes a local path
or a readable binary stream and returns a plain dataclass; none touches the
database, so jobs call them outside any transaction."""

from tidings.media.convert import Normalized, Poster, normalize, poster_frame, speech_pcm
from tidings.media.errors import MediaFailed, MediaTooLarge, MediaToolMissing, UnsupportedMedia
from tidings.media.limits import Limits
from tidings.media.probe import MediaInfo, probe
from tidings.media.recording import Recording, prepare_recording

__all__ = [
    "Limits",
    "MediaFailed",
    "MediaInfo",
    "MediaTooLarge",
    "MediaToolMissing",
    "Normalized",
    "Poster",
    "Recording",
    "UnsupportedMedia",
    "normalize",
    "poster_frame",
    "prepare_recording",
    "probe",
    "speech_pcm",
]
