"""The service's image rules and the checks that apply them to files, on all cores."""
