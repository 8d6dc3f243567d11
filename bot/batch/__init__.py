"""Many runs of one stimulus: the batch runner (asyncio or Ray), aggregation, the report."""
