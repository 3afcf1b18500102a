"""Stage 5: publishing. What a show folder holds and how it reaches listeners.

``store`` (the episode records, written atomically), ``notes`` (show notes), ``feed`` (RSS with
Podcasting 2.0, paged), ``jsonfeeds`` (JSON Feed and the Alexa flash briefing), ``site`` (the show
page), ``publication`` (one writer per folder, its identity and base URL) and ``publish`` (copying a
built folder to where it is served: a folder, or object storage through fsspec).
"""
