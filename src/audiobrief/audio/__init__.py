"""Stage 4: join spoken segments into an episode: pauses, chapters, loudness, one encode, tags.

``timeline`` joins segments and times chapters and sentences on real sample positions;
``loudness`` measures BS.1770 loudness and true peak in memory; ``master`` fits compressor, gain
and a true-peak limiter to the target in one pass; ``encode`` encodes once and checks the result;
``tags`` writes ID3 CHAP/CTOC (http://id3.org/id3v2-chapters-1.0) and MP4 metadata.
"""

from __future__ import annotations

from .encode import encode_episode, measure_file
from .loudness import Loudness
from .master import MasterAnalysis
from .tags import EpisodeTags
from .timeline import Sounds, Timeline, TimelineBuilder, build_timeline, chime, load_sounds

__all__ = [
    "EpisodeTags", "Loudness", "MasterAnalysis", "Sounds", "Timeline", "TimelineBuilder", "build_timeline", "chime",
    "encode_episode", "load_sounds", "measure_file",
]
