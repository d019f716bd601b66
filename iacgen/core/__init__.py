"""The adoption workflow as a library: every step returns data and raises IacgenError; nothing prints."""
