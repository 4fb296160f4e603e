CREATE TABLE pgmigrate_a (id int PRIMARY KEY);
---- create above / drop below ----
DROP TABLE pgmigrate_a;
