"""audiobrief: turn news briefs into narrated podcast episodes, with chapters, transcripts and a feed."""

__version__ = "0.1.0"
