"""The template's response shapes, from plain ModelSerializers: each nested field reads its
relation row by row unless the queryset loaded it, and these querysets load nothing."""

from django.conf import settings
from django.utils.module_loading import import_string
from rest_framework import serializers

models = import_string(f"{settings.PROJECT_PACKAGE}.catalog.models")


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = models.Category
        fields = ("id", "slug", "name")


class ProductSerializer(serializers.ModelSerializer):
    category = CategorySerializer(read_only=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")

    class Meta:
        model = models.Product
        fields = ("id", "sku", "name", "price", "stock", "category", "tags")


class ProductDetailSerializer(ProductSerializer):
    class Meta(ProductSerializer.Meta):
        fields = (*ProductSerializer.Meta.fields, "description")


class OrderItemSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)

    class Meta:
        model = models.OrderItem
        fields = ("product", "sku", "quantity", "unit_price")


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True, read_only=True)

    class Meta:
        model = models.Order
        fields = ("id", "status", "created", "items")


class CategoryStatsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    product_count = serializers.IntegerField()
    average_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    total_stock = serializers.IntegerField()


class OrderItemRequestSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=models.Product.objects.all())
    quantity = serializers.IntegerField(min_value=1)


class OrderCreateSerializer(serializers.ModelSerializer):
    """A writable nested serializer as DRF's guide shows one: each item's product is read
    while validating, then saved with less stock, one save() per item. Nothing locks the row
    between the read and the save, so two orders for the same product can both subtract from
    the same stock and one subtraction is lost (an oversell)."""

    items = OrderItemRequestSerializer(many=True, write_only=True)

    class Meta:
        model = models.Order
        fields = ("id", "status", "created", "items")

    def create(self, validated_data):
        items = validated_data.pop("items")
        order = models.Order.objects.create(**validated_data)
        for item in items:
            product = item["product"]
            if product.stock < item["quantity"]:
                raise serializers.ValidationError({"items": "Insufficient stock."})
            product.stock -= item["quantity"]
            product.save()
            models.OrderItem.objects.create(
                order=order, product=product, quantity=item["quantity"], unit_price=product.price
            )
        return order
