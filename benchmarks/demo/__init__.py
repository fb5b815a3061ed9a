"""Stories and storylines of the bundled demo corpus against its gold labels."""
