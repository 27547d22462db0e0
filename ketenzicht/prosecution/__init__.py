"""The ZSM table and the prosecutors: the ZSM file assembled from the chain partners' answers, triage as
versioned rules, routing to the district office's prosecutor for domestic violence and stalking, decisions
fed back to the police and Veilig Thuis."""
