-- One database per service: no service reads another's tables.
-- Run once by the postgres image, on its first start with an empty data volume.
CREATE DATABASE crm_customer;
CREATE DATABASE crm_marketing;
CREATE DATABASE crm_sales;
CREATE DATABASE crm_support;
CREATE DATABASE crm_analytics;
CREATE DATABASE crm_identity;
