-- Workload that wrote mariadb-10.11-values.000001 (MariaDB 10.11.19, Debian 12):
--   mariadbd --log-bin --server-id=7 --binlog-format=ROW --binlog-row-metadata=FULL
-- The oracle beside it is mariadb-binlog --verbose --base64-output=decode-rows.
-- DECIMAL scales above 30 (MariaDB allows 38), COMPRESSED columns (table map
-- types 140/141; zlib raw and wrapped, and values stored uncompressed), and
-- the fixed-size binary types whose trailing zero bytes the binlog strips.
SET NAMES utf8mb4;
SET time_zone = '+00:00';
SET sql_mode = '';
CREATE DATABASE tv;
USE tv;
CREATE TABLE t_dec (id INT PRIMARY KEY, a DECIMAL(39,38), b DECIMAL(65,38), c DECIMAL(38,38), d DECIMAL(65,31),
  e DECIMAL(31,31) UNSIGNED);
INSERT INTO t_dec VALUES
 (1, 9.99999999999999999999999999999999999999, 999999999999999999999999999.99999999999999999999999999999999999999,
  0.99999999999999999999999999999999999999, -1234.5678901234567890123456789012345678901, 0.1234567890123456789012345678901),
 (2, -0.00000000000000000000000000000000000001, -999999999999999999999999999.99999999999999999999999999999999999999,
  -0.00000000000000000000000000000000000001, 0, 0),
 (3, NULL, 1, NULL, -0.0000000000000000000000000000001, NULL);
UPDATE t_dec SET b = -b WHERE id = 1;
DELETE FROM t_dec WHERE id = 2;
CREATE TABLE t1c (id INT PRIMARY KEY, v VARCHAR(100) COMPRESSED, b BLOB COMPRESSED, t TEXT COMPRESSED,
  w VARCHAR(1000) COMPRESSED CHARACTER SET latin1, tb TINYBLOB COMPRESSED, lt LONGTEXT COMPRESSED);
INSERT INTO t1c VALUES
 (1, REPEAT('abc', 30), REPEAT(x'00ff', 500), REPEAT('hello ', 100), REPEAT('z', 1000), REPEAT('q', 200), REPEAT('long ', 2000)),
 (2, 'a', x'00', 't', 'w', 'x', 'y'),
 (3, '', '', '', '', '', ''),
 (4, NULL, NULL, NULL, NULL, NULL, NULL);
SET SESSION column_compression_zlib_wrap = ON;
INSERT INTO t1c VALUES (5, REPEAT('wrapped', 10), REPEAT('b', 300), REPEAT('t', 500), 'w', 'tb', REPEAT('lt', 300));
SET SESSION column_compression_zlib_wrap = OFF;
UPDATE t1c SET v = REPEAT('xyz', 33), b = 'short' WHERE id IN (1, 2);
DELETE FROM t1c WHERE id = 3;
CREATE TABLE t_fixed (id INT PRIMARY KEY, u UUID, i6 INET6, b4 BINARY(4), c4 CHAR(4));
INSERT INTO t_fixed VALUES
 (1, '123e4567-e89b-12d3-a456-426655440000', '::', 'A', 'a'),
 (2, '00000000-0000-0000-0000-000000000000', '2001:db8::', x'00000041', 'a  '),
 (3, '6ccd780c-baba-1026-9564-5b8c656024db', '::ffff:1.2.3.4', x'41424344', ' a');
DELETE FROM t_fixed WHERE id = 1;
