"""What many tests share: row factories, sample media, video helpers and private servers."""
