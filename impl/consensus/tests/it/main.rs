mod proposer;
