"""Service orders (ordens de serviço): open, schedule in an agenda, move,
resize, unschedule, cancel, close. Every change of an OS's agenda or interval
moves the agenda's slot counters in the same DynamoDB transaction."""
