# Runs once, on the passive's first start (docker-entrypoint-initdb.d);
# sourced by the image's entrypoint (not executable), so docker_process_sql is defined.
# An ordinary application user: all rights on databases, nothing global.
docker_process_sql <<SQL
CREATE USER IF NOT EXISTS 'galaxis_app'@'%' IDENTIFIED BY '${GALAXIS_TARGET_PASSWORD//\'/\'\'}';
GRANT ALL ON \`%\`.* TO 'galaxis_app'@'%';
SQL
