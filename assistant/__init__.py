"""The DPO assistant: classify GDPR requests, suggest grounded replies, answer visitors."""
