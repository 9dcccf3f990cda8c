"""rmqlab: runs real Apache RocketMQ NameServers and Brokers on loopback and records what they did.

See lab/README.md for usage, the output layout and the manifest schema.
"""
