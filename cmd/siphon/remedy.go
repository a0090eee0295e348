package main

import "siphon/ingest/remedy"

// cliRemedies says what the engine's errors offer as this command's flags.
var cliRemedies = remedy.Spelling{
	remedy.StartOver:     "run with --fresh to start over (the old output is moved aside, not deleted)",
	remedy.OtherFolder:   "pick an empty or new folder for --out (or output.dir)",
	remedy.WaitForHolder: "wait for it to end (or stop it)",
	remedy.SameShards:    "use --shard K/N with the N it was started with (no --shard when it was 1)",
}
