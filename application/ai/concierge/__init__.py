"""The WhatsApp concierge of the repair shop: answers from the asking customer's own records,
hands the conversation to the technicians when it cannot, and escalates chats left waiting."""
