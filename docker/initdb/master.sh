# Runs once, on the master's first start (docker-entrypoint-initdb.d);
# sourced by the image's entrypoint (not executable), so docker_process_sql is defined.
# The password comes from the environment, never from a file in the image.
docker_process_sql <<SQL
CREATE USER IF NOT EXISTS 'galaxis_repl'@'%' IDENTIFIED BY '${GALAXIS_SOURCE_PASSWORD//\'/\'\'}';
GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO 'galaxis_repl'@'%';
SQL
