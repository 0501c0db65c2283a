"""WhatsApp providers: Meta's Cloud API and Fonnte, over HTTP; and local fakes of both."""
