"""What the test folders share: the demo scenario and its readers, factories, the visibility matrix, the real
processes of the delivery tests, the reading of what they sent, and the QR codes of two-step enrolment."""
