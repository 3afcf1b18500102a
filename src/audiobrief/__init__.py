"""audiobrief: turn news briefs into narrated podcast episodes, with chapters, transcripts and a feed."""
