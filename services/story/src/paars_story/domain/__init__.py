"""Pure rules of the story: the plain-language check, versions, proposals and publishing."""
