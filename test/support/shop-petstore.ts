/**
 * petstore's template as the gateway scenarios on host `shop.example` use it: one upstream node,
 * `GET /pets` (list-pets) and `GET /pets/*` (get-pet).
 */
export const SHOP_PETSTORE = `name: petstore
hosts: [shop.example]
upstream:
  nodes:
    - host: 10.0.0.1
      port: 80
      weight: 1
routes:
  - name: list-pets
    uris: [/pets]
    methods: [GET]
  - name: get-pet
    uris: [/pets/*]
    methods: [GET]
`;
