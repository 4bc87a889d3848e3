"""A local Coupa API faithful to the R39 specs, with a seeded data generator and fault knobs."""
