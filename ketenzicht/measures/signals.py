"""What the measures registry tells the desks above it, without knowing them (they connect receivers in their
ready())."""

from django.dispatch import Signal

# Sent inside the transaction that stored breaches of protective measures (`breaches.breaches_record`: at
# intake, or for the registrations since a measure's first day when it is registered after the fact), after
# they are stored and before anyone is alerted of them: sender=the Breach model, breaches=the rows stored
# (their measure loaded), at=when they were found, judged=the judgement they were stored from
# (`breaches.BreachOf`, every measure their registrations breach, also those stored before), new=whether
# the registrations came in with this intake. The screening desk puts each breach's registration on the
# case of the measure's pair here, on that judgement (at intake its own step did that already: nothing to do);
# the registry itself recomputes the pattern signals of the measures' persons (`pattern_facts`).
breaches_stored = Signal()
