"""Site search: the Pagefind index of the published stories, built beside the pages.
Nothing in load, model or render imports this package."""
