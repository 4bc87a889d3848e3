"""The qbXML language: schema model, request builders, response parser, status codes, text rules."""
