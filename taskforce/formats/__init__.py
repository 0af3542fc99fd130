"""The portal's own date and time formats, one per language (FORMAT_MODULE_PATH), after the Canada.ca content
style guide: the month in words so that no reader on either side of the border mistakes 11/10/2021 for another
day, and the same form for every date the portal shows, short or long.

Date inputs take and give the ISO form first: the date control submits it, whatever the reader's language.
"""
