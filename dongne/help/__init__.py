"""The help centre (도움말): FAQ articles, their search, and the operators who
write them. The support inbox, where people talk to the support team, is
:mod:`dongne.inbox`."""
