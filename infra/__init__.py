"""Infrastructure as code: the one definition of tables, queues and the KMS
key, rendered for the cloud (CloudFormation) and created in the local stack."""
