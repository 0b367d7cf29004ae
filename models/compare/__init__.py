"""Three-document comparison (三书比对): indictment, sentencing recommendation and judgment
checked against each other. Each module registers the checks of one subject."""
